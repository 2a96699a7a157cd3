package io.github.lc4j.cli;

import io.github.lc4j.core.zoo.ModelZoo;
import java.util.Iterator;

/** The zoo's model names, for help texts ({@code ${COMPLETION-CANDIDATES}}): the list lives in {@link ModelZoo} only. */
final class ZooModels implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
        return ModelZoo.names().iterator();
    }
}
