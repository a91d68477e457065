"""Code shared by the apps that is not an app itself: event push, errors, parsing, storage."""
