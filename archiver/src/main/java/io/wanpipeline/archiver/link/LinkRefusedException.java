package io.wanpipeline.archiver.link;

import java.net.UnknownHostException;

/**
 * Thrown where a connection to a refused link or address would have been made; an {@link
 * UnknownHostException} so HTTP clients treat it as a failed name resolution.
 */
public final class LinkRefusedException extends UnknownHostException {
  private static final long serialVersionUID = 1L;

  /** The refusal; transient because a refusal is decided again wherever it is needed. */
  private final transient LinkRefusal refusal;

  public LinkRefusedException(LinkRefusal refusal) {
    super(refusal.message());
    this.refusal = refusal;
  }

  /** Why the link was refused. */
  public LinkRefusal refusal() {
    return refusal;
  }
}
