"""The booth's Qt screens (``lapak kiosk``): they render :class:`kiosk.flow.BoothView` and send
the flow's intents; nothing here decides anything about the visit."""
