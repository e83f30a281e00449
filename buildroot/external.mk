# Every package of the Yardline tree.
include $(sort $(wildcard $(BR2_EXTERNAL_YARDLINE_PATH)/package/*/*.mk))
