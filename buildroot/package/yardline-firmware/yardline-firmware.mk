################################################################################
#
# yardline-firmware
#
################################################################################

# The firmware is built from the repository this tree lives in (buildroot/ is
# one level below its root), not from a tarball.
YARDLINE_FIRMWARE_VERSION = local
YARDLINE_FIRMWARE_SITE = $(BR2_EXTERNAL_YARDLINE_PATH)/..
YARDLINE_FIRMWARE_SITE_METHOD = local
YARDLINE_FIRMWARE_LICENSE = AGPL-3.0-or-later
YARDLINE_FIRMWARE_DEPENDENCIES = host-nodejs nodejs libgpiod

# The local site is rsynced into the build directory. Leave out what the
# developer's checkout holds for the build host: its node_modules are x86-64
# binaries, and the rest is history, build output or other people's work.
YARDLINE_FIRMWARE_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = \
	--exclude /.git --exclude /node_modules --exclude /web/dist \
	--exclude /.lab --exclude /test-output --exclude /output \
	--exclude /buildroot/output --exclude /controller/prompts/generated

# What the phone bank runs: the firmware, the board drivers and the shared
# SIP/RTP core. The controller, web UI, tests and tools stay off the image.
YARDLINE_FIRMWARE_SOURCE_DIRS = board firmware telephony

ifeq ($(BR2_aarch64),y)
YARDLINE_FIRMWARE_NODE_ARCH = arm64
else ifeq ($(BR2_arm),y)
YARDLINE_FIRMWARE_NODE_ARCH = arm
else ifeq ($(BR2_x86_64),y)
YARDLINE_FIRMWARE_NODE_ARCH = x64
endif

# npm on the build host, told to build native addons (onoff's epoll, i2c-bus,
# node-libgpiod against libgpiod 1.x in staging, better-sqlite3) for the
# target: node-gyp takes the target's architecture from npm_config_arch, the
# cross compiler from TARGET_CONFIGURE_OPTS and the node headers from nodedir,
# which the nodejs package installs into staging.
# npm_config_cpu/os/libc make npm pick the right prebuilt optional packages
# (N-API addons shipped per platform).
YARDLINE_FIRMWARE_NPM = \
	$(TARGET_MAKE_ENV) \
	$(TARGET_CONFIGURE_OPTS) \
	LD="$(TARGET_CXX)" \
	npm_config_arch=$(YARDLINE_FIRMWARE_NODE_ARCH) \
	npm_config_target_arch=$(YARDLINE_FIRMWARE_NODE_ARCH) \
	npm_config_cpu=$(YARDLINE_FIRMWARE_NODE_ARCH) \
	npm_config_os=linux \
	npm_config_libc=glibc \
	npm_config_build_from_source=true \
	npm_config_nodedir=$(STAGING_DIR)/usr \
	npm_config_cache=$(BUILD_DIR)/.npm-cache \
	npm_config_audit=false \
	npm_config_fund=false \
	npm_config_update_notifier=false \
	$(HOST_DIR)/bin/npm

# Production dependencies exactly as locked; optional ones (onoff, i2c-bus,
# node-libgpiod)
# are wanted on the target, so only devDependencies are left out.
define YARDLINE_FIRMWARE_BUILD_CMDS
	cd $(@D) && $(YARDLINE_FIRMWARE_NPM) ci --omit=dev
endef

define YARDLINE_FIRMWARE_INSTALL_TARGET_CMDS
	rm -rf $(TARGET_DIR)/opt/yardline
	mkdir -p $(TARGET_DIR)/opt/yardline
	cp -a $(addprefix $(@D)/,$(YARDLINE_FIRMWARE_SOURCE_DIRS)) \
		$(@D)/package.json $(@D)/package-lock.json $(@D)/node_modules \
		$(TARGET_DIR)/opt/yardline/
	(git -C $(YARDLINE_FIRMWARE_SITE) describe --always --dirty 2>/dev/null || echo unknown) \
		> $(TARGET_DIR)/opt/yardline/VERSION
endef

$(eval $(generic-package))
