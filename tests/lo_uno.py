"""Edit a workbook the way a reporter does in LibreOffice Calc, through its UNO API.

Run by the system Python that has LibreOffice's `uno` module (not the project's Python):

    /usr/bin/python3 tests/lo_uno.py SRC DST FILTER PROFILE_DIR < edits.json

Each edit is a JSON object; the sheet it touches is unprotected first, as a reporter lifts
the template's password-less protection:
    {"op": "type", "sheet": S, "cell": "B6", "text": "2023-02-01"}  typed into the cell, read
        as Calc reads typing in a Swedish locale (numbers, dates, the cell's text format)
    {"op": "format", "sheet": S, "cell": "C7", "format": "@"}  a number format code
    {"op": "link", "sheet": S, "cell": "B5", "text": "Se", "url": "https://..."}  a hyperlink
    {"op": "insert_row", "sheet": S, "row": 7}  a new row 7 (one-based), the rest moved down
The workbook is then saved as DST with the export filter FILTER (e.g. "Calc MS Excel 2007
XML").
"""

import json
import os
import signal
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.lang import Locale

LOCALE = "sv-SE"


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(profile):
    pipe = f"intraxl-tests-{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
         "--nologo", "--norestore", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)  # its own process group: see stop()
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return office, ctx
        except Exception:
            if time.monotonic() > deadline or office.poll() is not None:
                stop(office)
                raise
            time.sleep(0.1)


def stop(office):
    """Kill the office and everything it started: `soffice` is a launcher whose soffice.bin
    would outlive it (and pile up, one per failed test) if only the launcher were killed."""
    try:
        os.killpg(office.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    office.wait()


def set_locale(ctx):
    """Calc reads typing by the office locale: a Swedish reporter's."""
    provider = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx)
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        (prop("nodepath", "/org.openoffice.Setup/L10N"),))
    access.setPropertyValue("ooSetupSystemLocale", LOCALE)
    access.commitChanges()


def frame_of(controller):
    """The controller's frame: asked for by its method (the `Frame` attribute, through the
    bridge's introspection, now and then fails with UnknownPropertyException), a few times
    while a hidden document's view is still being attached."""
    for attempt in range(50):
        try:
            frame = controller.getFrame()
            if frame is not None:
                return frame
        except Exception:
            if attempt == 49:
                raise
        time.sleep(0.1)
    raise RuntimeError("the document's view has no frame")


def apply(ctx, doc, edit):
    sheet = doc.Sheets.getByName(edit["sheet"])
    sheet.unprotect("")
    op = edit["op"]
    if op == "insert_row":
        sheet.Rows.insertByIndex(edit["row"] - 1, 1)
        return
    cell = sheet.getCellRangeByName(edit["cell"])
    if op == "type":
        controller = doc.CurrentController
        controller.setActiveSheet(sheet)
        controller.select(cell)
        dispatcher = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", ctx)
        dispatcher.executeDispatch(frame_of(controller), ".uno:EnterString", "", 0,
                                   (prop("StringName", edit["text"]),))
    elif op == "format":
        formats = doc.NumberFormats
        language, country = LOCALE.split("-")
        locale = Locale(language, country, "")
        key = formats.queryKey(edit["format"], locale, False)
        if key == -1:
            key = formats.addNew(edit["format"], locale)
        cell.NumberFormat = key
    elif op == "link":
        cell.setString("")
        field = doc.createInstance("com.sun.star.text.TextField.URL")
        field.URL = edit["url"]
        field.Representation = edit["text"]
        cell.insertTextContent(cell.createTextCursor(), field, False)
    else:
        raise ValueError(f"unknown edit {op!r}")


def main():
    src, dst, export_filter, profile = sys.argv[1:5]
    edits = json.load(sys.stdin)
    office, ctx = connect(profile)
    try:
        set_locale(ctx)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)),
                                           "_blank", 0, (prop("Hidden", True),))
        for edit in edits:
            apply(ctx, doc, edit)
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)),
                       (prop("FilterName", export_filter),))
        try:  # the file is saved: the office may go before answering (or crash closing)
            doc.close(True)
            desktop.terminate()
        except Exception:
            pass
        office.wait(60)
    finally:
        stop(office)


if __name__ == "__main__":
    main()
