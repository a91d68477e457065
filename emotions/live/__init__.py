"""Live mode: webcam frames analysed one at a time per browser tab, never stored.

The page sends downscaled JPEG frames over ``/ws/live/`` (``consumers.LiveConsumer``).
The consumer keeps at most one frame at the worker and one waiting (``protocol.FrameSlots``):
a newer frame replaces the waiting one, so a slow worker makes frames drop, never queue.
``dispatch.dispatch_frame`` queues a frame for a Celery task (``emotions.tasks.analyse_frame``),
which decodes, detects and classifies it and sends the faces back to the consumer's channel
(``analysis.answer_frame``); the consumer smooths the largest face's probabilities over time
(``protocol.EmotionTrend``) and tells the page when the smoothed emotion changes.

The frame exists only in memory: in the consumer, in the broker message (which expires
after ``protocol.FRAME_EXPIRES_SECONDS``) and in the task. Nothing writes it to disk or the database.
"""
