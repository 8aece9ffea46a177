// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * kemari_mmio: registers the virtio-mmio devices a VMM names, for kernels built without
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES (Debian's): there virtio_mmio has no device= parameter and
 * finds devices only through ACPI or a device tree, neither of which a micro-VMM need provide.
 *
 *   insmod kemari_mmio.ko device=<size>@<base>:<irq>[:<id>] [device=...]
 *
 * takes what the kernel's virtio_mmio.device= takes (size with K/M/G suffixes, base and irq in C
 * notation); the init script passes each virtio_mmio.device= of the kernel command line. Each
 * becomes a "virtio-mmio" platform device with that memory window and interrupt, registered in
 * the order given (so the first disk named is vda); virtio_mmio binds to it.
 */
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>

#define KEMARI_MMIO_MAX 32

struct kemari_mmio_dev {
	u64 base, size;
	unsigned int irq;
	int id;
	struct platform_device *pdev;
};

static struct kemari_mmio_dev devs[KEMARI_MMIO_MAX];
static unsigned int ndevs;

/* One device= argument; repeated arguments add one device each (the setter runs per occurrence). */
static int kemari_mmio_parse(const char *val, const struct kernel_param *kp)
{
	struct kemari_mmio_dev d = { .id = PLATFORM_DEVID_AUTO };
	char *end;
	unsigned long long v;

	if (ndevs == KEMARI_MMIO_MAX)
		return -ENOSPC;
	d.size = memparse(val, &end);
	if (!d.size || *end != '@')
		return -EINVAL;
	d.base = simple_strtoull(end + 1, &end, 0);
	if (*end != ':')
		return -EINVAL;
	v = simple_strtoull(end + 1, &end, 0);
	if (!v || v > UINT_MAX)
		return -EINVAL;
	d.irq = v;
	if (*end == ':') {
		v = simple_strtoull(end + 1, &end, 0);
		if (v > INT_MAX)
			return -EINVAL;
		d.id = v;
	}
	if (*end && *end != '\n')
		return -EINVAL;
	devs[ndevs++] = d;
	return 0;
}

static int kemari_mmio_show(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < ndevs; i++)
		n += scnprintf(buf + n, PAGE_SIZE - n, "0x%llx@0x%llx:%u\n",
			       devs[i].size, devs[i].base, devs[i].irq);
	return n;
}

static const struct kernel_param_ops kemari_mmio_ops = {
	.set = kemari_mmio_parse,
	.get = kemari_mmio_show,
};
module_param_cb(device, &kemari_mmio_ops, NULL, 0444);
MODULE_PARM_DESC(device, "<size>@<base>:<irq>[:<id>], a virtio-mmio device (repeatable)");

static void kemari_mmio_remove(void)
{
	while (ndevs > 0) {
		ndevs--;
		if (!IS_ERR_OR_NULL(devs[ndevs].pdev))
			platform_device_unregister(devs[ndevs].pdev);
	}
}

static int __init kemari_mmio_init(void)
{
	unsigned int i;

	for (i = 0; i < ndevs; i++) {
		struct resource res[2] = {
			DEFINE_RES_MEM(devs[i].base, devs[i].size),
			DEFINE_RES_IRQ(devs[i].irq),
		};
		struct platform_device *pdev;

		pdev = platform_device_register_simple("virtio-mmio", devs[i].id, res, ARRAY_SIZE(res));
		if (IS_ERR(pdev)) {
			pr_err("kemari_mmio: device 0x%llx@0x%llx:%u: %ld\n",
			       devs[i].size, devs[i].base, devs[i].irq, PTR_ERR(pdev));
			ndevs = i;
			kemari_mmio_remove();
			return PTR_ERR(pdev);
		}
		devs[i].pdev = pdev;
	}
	return 0;
}

static void __exit kemari_mmio_exit(void)
{
	kemari_mmio_remove();
}

module_init(kemari_mmio_init);
module_exit(kemari_mmio_exit);
MODULE_DESCRIPTION("virtio-mmio devices named on the insmod line");
MODULE_LICENSE("Dual MIT/GPL");
