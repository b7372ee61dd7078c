"""python -m bot.front.serve [streamlit options] — `streamlit run app.py`, warm.

Streamlit runs app.py only when a browser connects, so a plain `streamlit run` loads the
encoder and index on the first visit. This launcher starts loading them (bot.chat.warm) in
the same process while the server itself starts, then hands over to Streamlit's own `run`;
app.py's Settings.from_env() finds the same, already loaded Assistant.
"""

from __future__ import annotations

import sys

from bot.config import ROOT, Settings, offline_environment


def main(argv: list[str] | None = None) -> int:
    offline_environment()
    from bot.chat import warm

    warm(Settings.from_env())
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
