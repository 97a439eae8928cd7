/**
 * The gateway dialects of {@link io.wanpipeline.wan.WanClient}, one package each, and the small
 * pieces they share.
 */
package io.wanpipeline.wan.dialect;
