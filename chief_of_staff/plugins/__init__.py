"""Department plugins: one folder per department with fixed file names (see manifest.py)."""
