from wsspec.cli import main

main()
