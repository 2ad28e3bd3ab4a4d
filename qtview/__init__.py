"""The Qt pieces both apps' views share: the bridge to the app's engine thread, the video view
that converts frames off the GUI thread, translations, screenshots and a virtual X display.

This is the only package besides ``kiosk/`` and ``cso_console/`` that imports Qt; it sits
below both apps and above ``media/`` (see docs/architecture.md).
"""
