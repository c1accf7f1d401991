"""Speed of the app, measured as ratios against baselines timed in the same run (`make bench`).

Modules: `timing` (repetition, statistics, the machine header), `page_rerun` (server reruns through
AppTest), `browser_keypress` (key press to new text in Chromium). `python -m benchmarks` runs them all.
"""
