"""Stride's domain: convolution rules, models, data and training, importable without Streamlit."""
