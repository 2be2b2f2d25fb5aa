from nnviz.ui import shell

shell.home()
