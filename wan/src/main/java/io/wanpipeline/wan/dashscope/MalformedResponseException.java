package io.wanpipeline.wan.dashscope;

/** A provider answer that cannot be read as the documented JSON; its message holds no secrets. */
public final class MalformedResponseException extends Exception {

  /** Creates the exception with a reason a person can act on. */
  public MalformedResponseException(String message) {
    super(message);
  }

  /** Creates the exception with a reason and the parser's failure. */
  public MalformedResponseException(String message, Throwable cause) {
    super(message, cause);
  }
}
