"""What happens to a photo, by role: ``detections`` (upload, rerun, face choice, deletion),
``analysis`` (the worker's side) and ``events`` (the push to the owner's pages).

Views and tasks are thin wrappers around these functions; callers import the module they need.
"""
