from substitute.cli import main

main()
