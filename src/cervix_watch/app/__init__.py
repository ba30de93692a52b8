"""The use cases every entry path shares (the command line, the DICOM server).

Each takes the store, the profile and the day it is (`today`, read by the caller) and
returns values: it never prints, never reads the clock and never imports the CLI.
"""
