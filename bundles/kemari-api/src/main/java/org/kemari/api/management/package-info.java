/**
 * Management: the services the platform provides to shells, JMX consoles and plugins, and the
 * MBean interfaces (registered through the Karaf management whiteboard, {@code jmx.objectname}).
 */
@org.osgi.annotation.versioning.Version("1.2.0")
package org.kemari.api.management;
