"""nnviz: `streamlit run app.py`. Navigation is built from nnviz.catalog."""

import streamlit as st

from nnviz.ui import shell

st.set_page_config(page_title="nnviz", page_icon=":material/hub:", layout="wide")
page = shell.navigation()
shell.sidebar()
page.run()
