from gridcarbon.replay.server import main

raise SystemExit(main())
