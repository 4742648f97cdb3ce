"""The test suite (a package, so test modules in sub-folders may share names and import
``tests.support``)."""
