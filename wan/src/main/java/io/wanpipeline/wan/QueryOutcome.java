package io.wanpipeline.wan;

/** The result of a query, cancel or list call. */
public sealed interface QueryOutcome<T> {

  /** The provider answered. */
  record Answered<T>(T value) implements QueryOutcome<T> {}

  /** The call failed; the task itself is unaffected. */
  record Failed<T>(WanError error) implements QueryOutcome<T> {}
}
