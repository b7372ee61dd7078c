from bot.front.cli import main

raise SystemExit(main())
