/** The native DashScope dialect of the Wan provider: HTTP client, body mapping and parsing. */
package io.wanpipeline.wan.dashscope;
