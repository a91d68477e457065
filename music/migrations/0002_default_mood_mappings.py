"""The default emotion -> mood mapping: angry and fear are
met with calm, happy with happy or energetic music, surprise and neutral with
energetic, sad and disgust with sad. To lift a mood, negative feelings get calm then
happy music and the others get happy then energetic."""

from django.db import migrations

DEFAULTS = {
    "match": {
        "angry": ["calm"],
        "disgust": ["sad"],
        "fear": ["calm"],
        "happy": ["happy", "energetic"],
        "sad": ["sad"],
        "surprise": ["energetic"],
        "neutral": ["energetic"],
    },
    "lift": {
        "angry": ["calm", "happy"],
        "disgust": ["calm", "happy"],
        "fear": ["calm", "happy"],
        "happy": ["happy", "energetic"],
        "sad": ["calm", "happy"],
        "surprise": ["happy", "energetic"],
        "neutral": ["happy", "energetic"],
    },
}


def seed(apps, schema_editor):
    MoodMapping = apps.get_model("music", "MoodMapping")
    for strategy, table in DEFAULTS.items():
        for emotion, moods in table.items():
            MoodMapping.objects.get_or_create(emotion=emotion, strategy=strategy, defaults={"moods": moods})


class Migration(migrations.Migration):
    dependencies = [("music", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
