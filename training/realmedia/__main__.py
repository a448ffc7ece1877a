from training.realmedia.cli import main

raise SystemExit(main())
