/**
 * The Vtrix dialect (docs/protocol.md 5.1, 5.5; SEED-4): {@code POST /model/v1/generation} and
 * {@code GET /model/v1/generation/task/{id}}, gateway model ids such as {@code wan22_i2v_flash},
 * task objects with {@code output[].content[]}, {@code error{code,message}} and {@code usage.cost}
 * in USD.
 */
package io.wanpipeline.wan.dialect.vtrix;
