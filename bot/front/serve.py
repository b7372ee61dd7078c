"""python -m bot.front.serve [streamlit options] — `streamlit run app.py`, warm.

Streamlit runs app.py only when a browser connects, so a plain `streamlit run` loads the
encoder and index on the first visit. This launcher starts loading them (bot.chat.warm) in
the same process while the server itself starts, then hands over to Streamlit's own `run`;
app.py's Settings.from_env() finds the same, already loaded Assistant.
"""

from __future__ import annotations

import sys

from bot.config import ROOT, Settings, offline_environment
from bot.front import timing


def main(argv: list[str] | None = None) -> int:
    timing.event("serve_start")
    offline_environment()
    from bot.chat import warm

    settings = Settings.from_env()
    warm(settings, on_step=lambda name, ms: timing.event("warm", step=name, ms=ms))
    from streamlit.web import cli

    from bot.front import ui  # the page's module, imported once here and not in the first visit

    try:
        ui.preload(settings)
    except Exception:  # noqa: BLE001, S110 - the page itself reports a missing text file
        pass
    timing.event("streamlit_imported")
    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
