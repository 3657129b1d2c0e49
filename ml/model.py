"""The network architectures, by name. Imports Keras lazily: only training and export need it."""

from __future__ import annotations

ARCHITECTURES = ("cnn-bn", "cnn-original")


def build_model(architecture: str):
    """A Keras model taking (N, 28, 28, 1) float32 in [0, 1] and returning 10 softmax probabilities."""
    import keras
    from keras import layers

    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of {', '.join(ARCHITECTURES)}")

    inputs = keras.Input(shape=(28, 28, 1), name="image")
    if architecture == "cnn-original":
        # The original Flask demo's network (the Keras mnist_cnn example), kept as a baseline.
        x = layers.Conv2D(32, 3, activation="relu")(inputs)
        x = layers.Conv2D(64, 3, activation="relu")(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(0.25)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(128, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
    else:
        # Pool early: on this 2-core CPU full-resolution 32->32 convolutions cost most of an epoch
        # for no accuracy; batch norm lets a higher learning rate converge in few epochs. Its
        # momentum is 0.9 (not Keras's 0.99) so the moving statistics settle within the ~25
        # steps of a quick job, not only after hundreds.
        x = inputs
        for filters in (32, 64, 128):
            x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(momentum=0.9)(x)
            x = layers.ReLU()(x)
            x = layers.MaxPooling2D()(x)
        x = layers.Flatten()(x)
        x = layers.Dropout(0.3)(x)
        x = layers.Dense(128, use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.ReLU()(x)
        x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=architecture.replace("-", "_"))


def build_augmentation(seed: int):
    """Random affine jitter applied to training batches only (not part of the exported model)."""
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomRotation(0.04, fill_mode="constant", seed=seed),
            layers.RandomZoom(0.12, fill_mode="constant", seed=seed + 1),
            layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed + 2),
        ],
        name="augmentation",
    )
