package org.kemari.core.internal.engine;

import java.lang.reflect.Proxy;
import java.util.Map;

/** {@link EngineConfig} instances outside OSGi: the annotation's defaults, with overrides. */
final class EngineConfigs {
    private EngineConfigs() {
    }

    static EngineConfig of(Map<String, Object> overrides) {
        return (EngineConfig) Proxy.newProxyInstance(EngineConfig.class.getClassLoader(), new Class<?>[] {EngineConfig.class},
                (proxy, method, args) -> {
                    if (overrides.containsKey(method.getName())) {
                        return overrides.get(method.getName());
                    }
                    if (method.getName().equals("annotationType")) {
                        return EngineConfig.class;
                    }
                    return method.getDefaultValue();
                });
    }
}
