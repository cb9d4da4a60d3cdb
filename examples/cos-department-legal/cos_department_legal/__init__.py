"""The legal department plugin: this package's folder is the department folder."""
