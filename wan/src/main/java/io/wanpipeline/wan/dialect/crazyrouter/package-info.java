/** The Crazyrouter dialect: its Ali Bailian-compatible alias of the native protocol. */
package io.wanpipeline.wan.dialect.crazyrouter;
