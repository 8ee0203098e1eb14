from shopgen.cli import main

main()
