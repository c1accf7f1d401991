"""Session-state keys that more than one page, or the app shell and a page, read or write.

A page's own widget keys start with its prefix ("conv.", "arch.", "train.", "predict.", "class.")
and are listed at the top of that page; the keys here cross those lines.
"""

LANG = "lang"  # the reader's language, "en" or "zh"; also the `lang` URL parameter (ui.text)

# Class mode (ui.classroom): who is looking. The name and key are also `me` and `key` in the URL.
CLASS_NAME = "class.name"  # the student's editable name, e.g. "otter-42"
CLASS_NAME_KEPT = "_class_name"  # the same, outside the widget (a run that draws no widget drops widget values)
CLASS_KEY = "_class_key"  # their secret key: it decides which runs are theirs
CLASS_TEACHER = "_class_teacher"  # True once this tab unlocked teacher mode; never in the URL
CLASS_PROBLEM = "_class_problem"  # why a name or key from the URL was changed, shown once

TRAIN_SPEC = "train.spec"  # a ModelSpec dict: set by Architecture's "Train this model", read by Training
TRAIN_FROZEN = "train.frozen"  # layer names to freeze: set with TRAIN_SPEC by Architecture, the Training form's box

RELABELLED = "_relabelled"  # {selectbox key: the labels it was last drawn with} (ui.widgets.resend_when_relabelled)
