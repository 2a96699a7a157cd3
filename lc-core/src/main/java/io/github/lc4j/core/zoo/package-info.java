/**
 * The model zoo: {@link io.github.lc4j.core.zoo.ModelZoo} (LeNet300, LeNet5, ResNet-20, a small
 * MobileNetV2) and {@link io.github.lc4j.core.zoo.Blocks}, builders of the blocks real nets repeat,
 * which expand into plain graph nodes.
 */
package io.github.lc4j.core.zoo;
