"""ICP Workbench core: all logic, no UI."""
