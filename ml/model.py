"""The network architectures, by name. Imports Keras lazily: only training and export need it."""

from __future__ import annotations

# Batch-normalised CNNs by their blocks: (filters, 3x3 convolutions) per block, each block then
# max-pooled (28 -> 14 -> 7 -> 3). "cnn-bn-deep" doubles the convolutions at 14x14 and 7x7, where
# they are cheap, and it reaches 99.5 % MNIST and 99 % canvas-style, which "cnn-bn" did in neither
# 10 nor 15 epochs (docs/model.md, ablation; what an epoch costs: docs/benchmarks.md).
CNN_BN_BLOCKS = {
    "cnn-bn": ((32, 1), (64, 1), (128, 1)),
    "cnn-bn-deep": ((32, 1), (64, 2), (128, 2)),
}
ARCHITECTURES = (*CNN_BN_BLOCKS, "cnn-original")


def build_model(architecture: str, classes: int = 10):
    """A Keras model taking (N, 28, 28, 1) float32 in [0, 1] and returning `classes` softmax
    probabilities: the ten digits, and with 11 an eleventh, "not a digit"."""
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
        for filters, convolutions in CNN_BN_BLOCKS[architecture]:
            for _ in range(convolutions):
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
    # float32 even when training computes in bfloat16: probabilities and the loss need the precision.
    outputs = layers.Dense(classes, activation="softmax", name="probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=architecture.replace("-", "_"))


def build_augmentation(seed: int, *, strokes: bool = True, elastic: float = 0.0):
    """Random jitter applied to training batches only (not part of the exported model).

    Affine: small rotation, zoom and shift. Strokes: canvas pens are thinner or thicker than
    MNIST's and have harder edges; see RandomPen. Elastic: Simard et al.'s (2003) smoothed random
    displacement field, which bends a stroke the way different hands do (random_elastic_layer).
    """
    import keras
    from keras import layers

    steps = [
        layers.RandomRotation(0.04, fill_mode="constant", seed=seed),
        layers.RandomZoom(0.12, fill_mode="constant", seed=seed + 1),
        layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed + 2),
    ]
    if strokes:
        steps.insert(0, random_pen_layer(seed + 3))
    if elastic > 0:
        steps.insert(0, random_elastic_layer(elastic, seed + 4))
    return keras.Sequential(steps, name="augmentation")


def random_pen_layer(seed: int):
    """A layer that redraws each training digit with a random pen: thicker, thinner, harder.

    Thickness: blend the image toward its 3x3 grey dilation (up to one pixel more per side at
    28 px) or erosion (up to 0.6 of a pixel less). Hardness: scale the ink by up to 1.8 and clip,
    so soft MNIST edges turn into a canvas's uniform, saturated strokes. Cheap (two max-pools).
    """
    import keras
    from keras import layers, ops

    class RandomPen(layers.Layer):
        def __init__(self, seed, **kwargs):
            super().__init__(**kwargs)
            self.generator = keras.random.SeedGenerator(seed)

        def call(self, images, training=True):
            if not training:
                return images
            batch = ops.shape(images)[0]
            amount = keras.random.uniform((batch, 1, 1, 1), -0.6, 1.0, seed=self.generator)
            hardness = keras.random.uniform((batch, 1, 1, 1), 1.0, 1.8, seed=self.generator)
            dilated = ops.max_pool(images, 3, strides=1, padding="same")
            eroded = -ops.max_pool(-images, 3, strides=1, padding="same")
            drawn = images + ops.maximum(amount, 0.0) * (dilated - images) + ops.maximum(-amount, 0.0) * (eroded - images)
            return ops.clip(drawn * hardness, 0.0, 1.0)

    return RandomPen(seed, name="random_pen")


def random_elastic_layer(largest_alpha: float, seed: int, sigma: float = 4.0):
    """A layer that bends half of each training batch with a smoothed random displacement field.

    Simard et al.'s (2003) elastic distortion: per image, a random normal field per axis, blurred
    with a Gaussian of `sigma` px (4, theirs) and scaled by a strength drawn per batch in
    [0, largest_alpha], scaled as keras.ops.image.elastic_transform's alpha (field = alpha * sigma *
    blurred noise, so a typical displacement is about 0.28 * alpha px: alpha 4 moves strokes by
    about a pixel; past 5 an MNIST 0 starts to read as a 9). Written here, not with Keras's
    RandomElasticTransform or ops.image.elastic_transform: the first caps the strength below
    Simard's, and the second (Keras 3.15, TensorFlow) bends only the first image when the batch
    size is unknown, as it is inside fit, and returns copies of it.
    """
    import keras
    import numpy as np
    from keras import layers, ops

    radius = int(3 * sigma)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype("float32")

    class RandomElastic(layers.Layer):
        def __init__(self, largest_alpha, seed, **kwargs):
            super().__init__(**kwargs)
            self.largest_alpha = largest_alpha
            self.generator = keras.random.SeedGenerator(seed)
            # Separable blur: a column then a row of Gaussian taps, for each of the two axes.
            self.column = ops.convert_to_tensor(np.tile(taps.reshape(-1, 1, 1, 1), (1, 1, 2, 1)))
            self.row = ops.convert_to_tensor(np.tile(taps.reshape(1, -1, 1, 1), (1, 1, 2, 1)))

        def call(self, images, training=True):
            if not training:
                return images
            source = ops.cast(images, "float32")
            batch, height, width = ops.shape(source)[0], source.shape[1], source.shape[2]
            alpha = keras.random.uniform((), 0.0, self.largest_alpha, seed=self.generator)
            noise = keras.random.normal((batch, height, width, 2), seed=self.generator) * sigma
            field = ops.depthwise_conv(ops.depthwise_conv(noise, self.column, padding="same"), self.row,
                                       padding="same") * alpha
            rows = ops.reshape(ops.arange(height, dtype="float32"), (1, height, 1)) + field[..., 0]
            columns = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, width)) + field[..., 1]
            bent = _bilinear_sample(source[..., 0], rows, columns)[..., None]
            chosen = keras.random.uniform((batch, 1, 1, 1), seed=self.generator) < 0.5
            return ops.cast(ops.where(chosen, bent, source), images.dtype)

    return RandomElastic(largest_alpha, seed, name="random_elastic")


def _bilinear_sample(images, rows, columns):
    """images (B, H, W) read at fractional (rows, columns) (B, H, W); outside the image reads 0."""
    from keras import ops

    batch, height, width = ops.shape(images)[0], images.shape[1], images.shape[2]
    flat = ops.reshape(images, (-1,))
    offsets = ops.reshape(ops.arange(batch, dtype="int32") * (height * width), (-1, 1, 1))
    top, left = ops.floor(rows), ops.floor(columns)
    result = 0.0
    for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):
        r, c = top + dr, left + dc
        weight = (1.0 - ops.abs(rows - r)) * (1.0 - ops.abs(columns - c))
        inside = (r >= 0) & (r <= height - 1) & (c >= 0) & (c <= width - 1)
        index = offsets + ops.cast(ops.clip(r, 0, height - 1), "int32") * width + ops.cast(ops.clip(c, 0, width - 1), "int32")
        result = result + ops.where(inside, weight * ops.take(flat, index), 0.0)
    return result


def redraw_with_pens(images, skeletons, *, fraction: float, seed: int):
    """Replace a random `fraction` of a training batch by its digits redrawn as canvas strokes.

    `skeletons` (B, 56, 56, 1) are the digits' one-pixel skeletons at 2x (ml.canvas_style.
    skeletons_2x). Redrawing = dilating the skeleton with a round pen of a random width, from a
    hairline to a marker (1 to 4.5 px at 28 px), then averaging down to 28x28, which gives the
    antialiased uniform strokes a canvas sends. Growing discs alternate plus and square 3x3
    max-pools (an octagon, close to round); a fractional width blends two neighbouring sizes.
    TensorFlow ops, run in the tf.data pipeline.
    """
    import tensorflow as tf

    def plus(x):
        return tf.maximum(tf.nn.max_pool2d(x, (3, 1), 1, "SAME"), tf.nn.max_pool2d(x, (1, 3), 1, "SAME"))

    def square(x):
        return tf.nn.max_pool2d(x, 3, 1, "SAME")

    skeletons = tf.cast(skeletons, tf.float32)
    discs = [skeletons]
    for grow in (plus, square, plus, square):
        discs.append(grow(discs[-1]))
    discs = tf.stack(discs, axis=0)  # (5, B, 56, 56, 1): pen radius 0..4 px at 56 px
    batch = tf.shape(images)[0]
    radius = tf.random.uniform((batch,), 0.5, 4.0, seed=seed)
    lower = tf.cast(tf.floor(radius), tf.int32)
    share = tf.reshape(radius - tf.floor(radius), (-1, 1, 1, 1))
    index = tf.range(batch)
    thin = tf.gather_nd(discs, tf.stack([lower, index], axis=1))
    thick = tf.gather_nd(discs, tf.stack([tf.minimum(lower + 1, 4), index], axis=1))
    redrawn = tf.nn.avg_pool2d(thin + share * (thick - thin), 2, 2, "VALID")
    chosen = tf.reshape(tf.random.uniform((batch,), seed=seed + 1) < fraction, (-1, 1, 1, 1))
    return tf.where(chosen, redrawn, images)
