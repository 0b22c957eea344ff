package dev.servicemanager.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Latency statistics of one phase, in milliseconds. Percentiles use the nearest-rank method (the
 * smallest sample with at least q of all samples at or below it), so with fewer than 100 samples
 * p99 is the maximum and with 5 samples the median is the 3rd fastest.
 */
record Stats(int n, double min, double p50, double p90, double p99, double max, double mean, double totalMs) {

  static Stats of(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    long total = 0;
    for (long n : sorted) {
      total += n;
    }
    return new Stats(
        sorted.length,
        ms(sorted[0]),
        ms(rank(sorted, 0.50)),
        ms(rank(sorted, 0.90)),
        ms(rank(sorted, 0.99)),
        ms(sorted[sorted.length - 1]),
        ms(total) / sorted.length,
        ms(total));
  }

  private static long rank(long[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double ms(long nanos) {
    return nanos / 1_000_000.0;
  }

  /** Requests per second of a sequential run: samples over the summed latency. */
  double throughput() {
    return totalMs == 0 ? 0 : n * 1000.0 / totalMs;
  }

  /** Whether p99 is simply the slowest sample (fewer than 100 samples). */
  boolean p99IsMax() {
    return n < 100;
  }

  Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("min_ms", round(min));
    m.put("median_ms", round(p50));
    m.put("p90_ms", round(p90));
    m.put("p99_ms", round(p99));
    m.put("max_ms", round(max));
    m.put("mean_ms", round(mean));
    m.put("total_ms", round(totalMs));
    m.put("p99_is_max", p99IsMax());
    return m;
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
