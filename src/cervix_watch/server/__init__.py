"""The DICOM server beside the core: it calls `cervix_watch.app` and prints through a sink."""
