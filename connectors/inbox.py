"""Kept only for the action server, which still imports the inbox housekeeping from here; everything in connectors
uses ``connectors.core.inbox``. Delete this module once the actions side imports the inbox contract from ``common``."""
from connectors.core.inbox import remove_folder_of as remove_folder_of
from connectors.core.inbox import touch_folder_of as touch_folder_of
