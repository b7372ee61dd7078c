"""The benchmark (`python -m bench`, `make bench`): ours against the textbook LangChain pipeline.

Not timed tests: it measures and reports. See bench/__main__.py for what is measured.
"""
