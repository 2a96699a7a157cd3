/**
 * Backend discovery and selection behind {@code Lc4j.builder()}: the providers found with
 * {@link java.util.ServiceLoader}, and the rule that picks one. Public for backend tests that check
 * the fallback when natives fail; hosts choose backends through the facade.
 */
package io.github.lc4j.core.registry;
