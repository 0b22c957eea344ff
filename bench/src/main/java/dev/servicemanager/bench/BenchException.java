package dev.servicemanager.bench;

/** A benchmark step that did not behave as expected (wrong status, wrong count, time limit). */
final class BenchException extends RuntimeException {
  BenchException(String message) {
    super(message);
  }
}
