/**
 * The file formats behind {@code Lc4j}'s static I/O methods: NumPy {@code .npy}/{@code .npz}, JSON
 * reports, atomic writes. Hosts use the facade; these classes are public for lc4j's own modules.
 */
package io.github.lc4j.core.io;
