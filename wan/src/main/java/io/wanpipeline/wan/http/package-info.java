/** Provider-neutral HTTP helpers shared by the Wan client dialects. */
package io.wanpipeline.wan.http;
