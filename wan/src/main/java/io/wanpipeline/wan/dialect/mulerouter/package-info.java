/**
 * The MuleRouter dialect (docs/protocol.md 5.1, 5.4): flat create bodies on {@code POST
 * /vendors/alibaba/v1/{model}/generation}, tasks polled under their model's path, {@code task_info}
 * answers with {@code videos[]} and {@code task_info.error{code,title,detail}}.
 */
package io.wanpipeline.wan.dialect.mulerouter;
