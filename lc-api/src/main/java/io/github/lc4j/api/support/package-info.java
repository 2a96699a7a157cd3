/**
 * Helpers shared by lc4j's modules (argument checks whose messages carry the bad value). Not part
 * of the user API nor of the backend contract; use it, but do not implement anything here.
 */
package io.github.lc4j.api.support;
