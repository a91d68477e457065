"""CNN architectures for 48x48 grey faces. Chosen by measurement: see
``emotions/weights/README.md`` for the comparison that picked the served one."""

from __future__ import annotations

import keras
from keras import layers

from .labels import NUM_CLASSES
from .preprocess import FACE_SIZE


def _conv_bn(x, filters: int, weight_decay: float):
    x = layers.Conv2D(
        filters, 3, padding="same", use_bias=False, kernel_regularizer=keras.regularizers.l2(weight_decay)
    )(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def vgg(
    width: int = 32,
    convs_per_block=(2, 2, 2, 2),
    dropout: float = 0.4,
    weight_decay: float = 5e-5,
    input_size: int = FACE_SIZE,
) -> keras.Model:
    """VGG-style net: 4 blocks of 3x3 conv+BN+ReLU, max-pool between, then a small head."""
    inputs = keras.Input((input_size, input_size, 1), name="face")
    x = inputs
    for block, convs in enumerate(convs_per_block):
        filters = width * 2**block
        for _ in range(convs):
            x = _conv_bn(x, filters, weight_decay)
        x = layers.MaxPooling2D()(x)
        x = layers.SpatialDropout2D(0.1 * (block + 1) / 2)(x) if block else x
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    x = layers.Dense(width * 4, use_bias=False, kernel_regularizer=keras.regularizers.l2(weight_decay))(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(dropout)(x)
    # float32 logits and softmax even under a mixed-precision policy.
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"vgg{width}")


def _residual(x, filters: int, stride: int, weight_decay: float):
    shortcut = x
    y = layers.Conv2D(
        filters,
        3,
        strides=stride,
        padding="same",
        use_bias=False,
        kernel_regularizer=keras.regularizers.l2(weight_decay),
    )(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(
        filters, 3, padding="same", use_bias=False, kernel_regularizer=keras.regularizers.l2(weight_decay)
    )(y)
    y = layers.BatchNormalization()(y)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(shortcut)
        shortcut = layers.BatchNormalization()(shortcut)
    return layers.Activation("relu")(layers.Add()([shortcut, y]))


def resnet(
    width: int = 32,
    blocks=(2, 2, 2, 2),
    dropout: float = 0.3,
    weight_decay: float = 5e-5,
    input_size: int = FACE_SIZE,
) -> keras.Model:
    """Small pre-pooled ResNet (ResNet-18 layout at reduced width) for 48x48 input."""
    inputs = keras.Input((input_size, input_size, 1), name="face")
    x = _conv_bn(inputs, width, weight_decay)
    for stage, count in enumerate(blocks):
        filters = width * 2**stage
        for i in range(count):
            x = _residual(x, filters, 2 if (i == 0 and stage > 0) else 1, weight_decay)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(NUM_CLASSES, activation="softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=f"resnet{width}")


@keras.saving.register_keras_serializable(package="fermusic")
class MirrorFaces(layers.Layer):
    """The faces of a batch mirrored left to right (a fixed flip, not an augmentation)."""

    def call(self, faces):
        return keras.ops.flip(faces, axis=2)


def with_mirror_average(model: keras.Model) -> keras.Model:
    """Test-time augmentation in the graph: the mean of ``model``'s probabilities for a
    face and for its mirror image, with the same weights. A face and its mirror then
    read exactly alike, and the served runtime needs no code of its own for it."""
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    both = layers.Average(name="probabilities")([model(inputs), model(MirrorFaces(name="mirror")(inputs))])
    return keras.Model(inputs, both, name=f"{model.name}-mirror")


def with_centre_crop(model: keras.Model) -> keras.Model:
    """A network trained on random crops smaller than a face, served on whole faces: the
    centre crop of each 48x48 face, in the graph, so the served file still takes faces."""
    side = model.input_shape[1]
    if side == FACE_SIZE:
        return model
    inputs = keras.Input((FACE_SIZE, FACE_SIZE, 1), name="face")
    crop = layers.CenterCrop(side, side, name="centre_crop")(inputs)
    return keras.Model(inputs, model(crop), name=model.name)


def load(path) -> keras.Model:
    """A saved model, without its optimiser; this module registers the layers it may use."""
    return keras.models.load_model(path, compile=False)


ARCHITECTURES = {"vgg": vgg, "resnet": resnet}


def build(name: str, width: int, input_size: int = FACE_SIZE) -> keras.Model:
    try:
        factory = ARCHITECTURES[name]
    except KeyError:
        raise ValueError(f"unknown architecture {name!r}; choose from {', '.join(ARCHITECTURES)}") from None
    return factory(width=width, input_size=input_size)
