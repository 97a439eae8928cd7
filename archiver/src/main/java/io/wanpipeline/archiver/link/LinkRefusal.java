package io.wanpipeline.archiver.link;

/**
 * Why a link was refused.
 *
 * @param rule the rule that refused it, for example {@code not-https} or {@code address:loopback}
 * @param link the link without its query string or userinfo
 */
public record LinkRefusal(String rule, String link) {
  /** A message safe to log and to put in an event: never the signed query string. */
  public String message() {
    return "link " + link + " refused by rule " + rule;
  }
}
