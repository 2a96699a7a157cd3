package io.github.lc4j.cli;

import java.util.Collection;
import java.util.Locale;

/** The closest of some valid names to a mistyped one, for "did you mean" hints. */
final class Suggestions {
    private Suggestions() {}

    /**
     * Returns the name in {@code valid} nearest to {@code typed} by edit distance, if it is near
     * enough to be a typo (at most a third of the longer name's length), else null.
     */
    static String closest(String typed, Collection<String> valid) {
        String bare = strip(typed);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : valid) {
            int distance = distance(bare, strip(name));
            if (distance < bestDistance) {
                bestDistance = distance;
                best = name;
            }
        }
        if (best == null) {
            return null;
        }
        int limit = Math.max(1, Math.max(bare.length(), strip(best).length()) / 3);
        return bestDistance <= limit ? best : null;
    }

    private static String strip(String name) {
        String value = name.toLowerCase(Locale.ROOT).replaceFirst("^-+", "");
        int equals = value.indexOf('=');
        return equals >= 0 ? value.substring(0, equals) : value;
    }

    /** The Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
