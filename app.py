"""nnviz: `streamlit run app.py`. Navigation is built from nnviz.catalog.

Page scripts live in lab_pages/, not pages/: Streamlit 1.67 still treats a folder named pages/
beside the main script as an old-style multipage app, so a shared link opened as a fresh server's
first request would run the page script alone (no navigation, no page config, file names in the
sidebar) until someone opened the home page.
"""

import streamlit as st

from nnviz.ui import shell

st.set_page_config(page_title="nnviz", page_icon=":material/hub:", layout="wide")
page = shell.navigation()
shell.sidebar()
page.run()
