"""The officer's desktop window (PySide6): it renders :class:`cso_console.desk.DeskView` and turns
clicks and keys into the desk's intents; no rule of the desk lives here.

* :mod:`.window` -- :class:`ConsoleWindow`, the whole desk: booth tiles, the focused booth's
  panel (actions, prompts, claim checklist), the queue, the document workspace;
* :mod:`.tile` -- one booth's tile (live face video, who, state, time, link badge, alarm);
* :mod:`.panel` -- the focused booth's panel and the queue panel;
* :mod:`.stills` -- the document workspace: the live document view, the lossless stills
  (decoded off the GUI thread), zoom, pan, rotation, side by side;
* :mod:`.dialogs` -- end, transfer and reject, each a confirmation;
* :mod:`.words` -- every word the officer reads, translated with Qt's tools;
* :mod:`.run` -- the process: a QApplication, the app on its engine thread, the window.
"""
